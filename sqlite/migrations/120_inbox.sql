-- The inbox lists a talk's open irritants past their due date in due order,
-- and asks of each candidate irritant whether a party is a party to it:
-- an index answering that without reading the table.
CREATE INDEX irritants_talk_due ON irritants (talk_id, due, id) WHERE due <> '';
CREATE INDEX irritant_parties_irritant_party ON irritant_parties (irritant_id, party_id, role);
