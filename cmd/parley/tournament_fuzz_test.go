package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzReadResults feeds arbitrary bytes to the resume reader: it must
// never panic, and must either refuse the file untouched or accept rows
// that all carry the configuration, leaving only whole lines behind.
func FuzzReadResults(f *testing.F) {
	header := strings.Join(resultsHeader(), ",") + "\n"
	row := "abc,anac2011-Laptop,boulware;conceder,a.xml;b.xml,0,1,agreement,true,5,0.5;0.5,1,0,0.1,Laptop=HP\n"
	f.Add([]byte(header + row))
	f.Add([]byte(header + row + "abc,anac2011-Lap"))
	f.Add([]byte(header + "zzz" + row[3:]))
	f.Add([]byte("name,age\n"))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), "r.csv")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		done, rows, err := readResults(path, "abc")
		after, _ := os.ReadFile(path)
		if err != nil {
			if string(after) != string(data) {
				t.Fatal("a refused file was changed")
			}
			return
		}
		for _, r := range rows {
			if r[0] != "abc" || !done[r[1]+"|"+r[2]+"|"+r[3]+"|"+r[4]] {
				t.Fatalf("accepted row %q", r)
			}
		}
		if len(after) > 0 && after[len(after)-1] != '\n' {
			t.Fatalf("left a partial line: %q", after)
		}
	})
}
