package dataset

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLocalFiles(t *testing.T) {
	tests := []struct {
		name, dataset, column string
		want                  []string
		wantColumn            string
		wantSkipped           int
	}{
		{"jsonl text", "testdata/prompts.jsonl", "", []string{"What is a joule?", "Explain prefix caching in one paragraph.", "Write a haiku about watts."}, "text", 1},
		{"jsonl text by name", "testdata/prompts.jsonl", "text", []string{"What is a joule?", "Explain prefix caching in one paragraph.", "Write a haiku about watts."}, "text", 1},
		{"jsonl prompt fallback", "testdata/prompt_column.jsonl", "text", []string{"First prompt from the prompt field.", "Second prompt from the prompt field."}, "prompt", 0},
		{"jsonl other column", "file:testdata/prompt_column.jsonl", "answer", []string{"x", "y"}, "answer", 0},
		{"jsonl messages: first user turn", "testdata/messages.jsonl", "", []string{"How many watts is a kettle?", "Describe this chart."}, "messages", 0},
		{"jsonl messages by name", "testdata/messages.jsonl", "messages", []string{"How many watts is a kettle?", "Describe this chart."}, "messages", 0},
		{"csv with quoted newline", "testdata/prompts.csv", "", []string{"What is a joule?", "Explain prefix caching\nin two lines.", "Write a haiku about watts."}, "text", 0},
		{"csv with BOM, prompt fallback, empty cell", "./testdata/bom_prompt.csv", "", []string{"A prompt, with a comma", `A prompt with "quotes"`}, "prompt", 1},
		{"parquet", "testdata/prompts.parquet", "", []string{"What is a joule?", "Explain prefix caching in one paragraph.", "Write a haiku about watts."}, "text", 1},
		{"file: prefix", "file:testdata/prompts.parquet", "text", []string{"What is a joule?", "Explain prefix caching in one paragraph.", "Write a haiku about watts."}, "text", 1},
		{"existing file, other extension", "testdata/README.md", "", nil, "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			set, err := LoadSpec(context.Background(), Spec{Name: tt.dataset, TextColumn: tt.column})
			if tt.want == nil {
				if err == nil || !strings.Contains(err.Error(), `unknown extension ".md"`) {
					t.Fatalf("err = %v, want unknown extension", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(set.Prompts, "|") != strings.Join(tt.want, "|") {
				t.Errorf("prompts = %q, want %q", set.Prompts, tt.want)
			}
			if set.Column != tt.wantColumn || set.Skipped != tt.wantSkipped || set.Rows != len(tt.want) {
				t.Errorf("column %q skipped %d rows %d, want %q %d %d", set.Column, set.Skipped, set.Rows, tt.wantColumn, tt.wantSkipped, len(tt.want))
			}
		})
	}
}

func TestLocalFileErrors(t *testing.T) {
	tests := []struct {
		name, dataset, column, wantErr string
	}{
		{"missing file", "testdata/nope.jsonl", "", "dataset file testdata/nope.jsonl: stat testdata/nope.jsonl: no such file"},
		{"folder", "file:testdata", "", "dataset file testdata is a folder"},
		{"empty file: path", "file:", "", `give a path after "file:"`},
		{"bad json line", "testdata/bad_line.jsonl", "", "testdata/bad_line.jsonl:2: not a JSON object"},
		{"number where text", "testdata/number_text.jsonl", "", `testdata/number_text.jsonl:2: field "text": expected a string, got 42`},
		{"field missing on a later line", "testdata/missing_later.jsonl", "", `testdata/missing_later.jsonl:2: no "text" field, which earlier lines have`},
		{"jsonl column absent", "testdata/prompts.jsonl", "question", `testdata/prompts.jsonl:1 has no column "question"; set scenario.text_column_name to one of: id, text`},
		{"csv column absent", "testdata/prompts.csv", "question", `testdata/prompts.csv has no column "question"; set scenario.text_column_name to one of: id, text`},
		{"csv ragged", "testdata/ragged.csv", "", "record on line 3: wrong number of fields"},
		{"parquet column absent", "testdata/prompts.parquet", "question", `testdata/prompts.parquet has no column "question"; set scenario.text_column_name to one of: id, text`},
		{"parquet number column", "testdata/prompts.parquet", "id", `testdata/prompts.parquet: column "id" holds INT64 values, not text`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := LoadSpec(context.Background(), Spec{Name: tt.dataset, TextColumn: tt.column})
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.wantErr)
			}
		})
	}
}

func TestLocalPath(t *testing.T) {
	tests := []struct {
		name string
		dir  string // the config file's folder
		path string
		ok   bool
	}{
		{"AIEnergyScore/text_generation", "", "", false},
		{"AIEnergyScore/text_generation", "/etc/aienergy", "", false},
		{"prompts.jsonl", "/etc/aienergy", "/etc/aienergy/prompts.jsonl", true},
		{"./p.csv", "conf", "conf/p.csv", true},
		{"file:p", "conf", "conf/p", true},
		{"/abs/prompts.txt", "conf", "/abs/prompts.txt", true},
		{"README.md", "testdata", "testdata/README.md", true}, // exists only in dir
		{"README.md", "", "", false},                          // not in the working directory
		{"squad", "", "", false},
		{"file:AIEnergyScore/text_generation", "", "AIEnergyScore/text_generation", true},
		{"/abs/prompts.txt", "", "/abs/prompts.txt", true},
		{"../x", "", "../x", true},
		{"data/prompts.JSONL", "", "data/prompts.JSONL", true},
		{"testdata", "", "", false}, // an existing folder is not a file
		{"testdata/README.md", "", "testdata/README.md", true},
	}
	for _, tt := range tests {
		p, ok := localPath(tt.name, tt.dir)
		if p != tt.path || ok != tt.ok {
			t.Errorf("localPath(%q, %q) = %q, %v; want %q, %v", tt.name, tt.dir, p, ok, tt.path, tt.ok)
		}
	}
}

func TestLocalParquetNotParquet(t *testing.T) {
	p := filepath.Join(t.TempDir(), "x.parquet")
	if err := os.WriteFile(p, []byte("id,text\n1,hello\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := LoadSpec(context.Background(), Spec{Name: p})
	if err == nil || !strings.Contains(err.Error(), "is not a readable Parquet file") {
		t.Fatalf("err = %v, want not a readable Parquet file", err)
	}
}
