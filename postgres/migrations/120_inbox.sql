-- The inbox lists a talk's open irritants past their due date in due order.
CREATE INDEX irritants_talk_due ON irritants (talk_id, due, id) WHERE due <> '';
