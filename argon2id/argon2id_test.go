package argon2id_test

import (
	"strings"
	"testing"

	"parley/argon2id"
)

func TestHashVerify(t *testing.T) {
	h, err := argon2id.Hash("correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$") || strings.Contains(h, "correct") {
		t.Fatalf("hash %q", h)
	}
	if !argon2id.Verify(h, "correct horse") {
		t.Error("right password rejected")
	}
	if argon2id.Verify(h, "correct horsf") {
		t.Error("wrong password accepted")
	}
	h2, _ := argon2id.Hash("correct horse")
	if h == h2 {
		t.Error("two hashes of one password are equal: salt missing")
	}
	for _, bad := range []string{"", "$argon2id$", "$argon2i$v=19$m=19456,t=2,p=1$AAAA$AAAA", h[:len(h)-4]} {
		if argon2id.Verify(bad, "correct horse") {
			t.Errorf("malformed hash %q accepted", bad)
		}
	}
}
