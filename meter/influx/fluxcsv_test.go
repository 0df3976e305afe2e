package influx

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func fixture(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// row is a parsed record reduced to the columns a test names.
type row map[string]string

func TestReadAnnotatedCSV(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		cols    []string
		want    []row
		wantErr string // substring; "" for none
	}{
		{
			name: "annotated table with a default result",
			body: "#group,false,false,true,false,false,true\n" +
				"#datatype,string,long,dateTime:RFC3339,dateTime:RFC3339,double,string\n" +
				"#default,mean,,,,,\n" +
				",result,table,_start,_time,_value,host\n" +
				",,0,2022-12-31T05:41:24Z,2023-01-01T00:52:00Z,15.43,A\n" +
				",,1,2022-12-31T05:41:24Z,2023-01-01T00:52:00Z,59.25,B\n",
			cols: []string{"result", "table", "_value", "host"},
			want: []row{
				{"result": "mean", "table": "0", "_value": "15.43", "host": "A"},
				{"result": "mean", "table": "1", "_value": "59.25", "host": "B"},
			},
		},
		{
			name: "two annotation blocks with different schemas",
			body: fixture(t, "flux_window.csv"),
			cols: []string{"table", "_value", "formula", "socket"},
			want: []row{
				{"table": "0", "_value": "10", "formula": "a", "socket": "0"},
				{"table": "0", "_value": "20", "formula": "a", "socket": "0"},
				{"table": "1", "_value": "30", "formula": "b", "socket": "0"},
				{"table": "1", "_value": "25", "formula": "b", "socket": "0"},
				{"table": "2", "_value": "3", "formula": "a", "socket": "0"},
				{"table": "2", "_value": "4", "formula": "a", "socket": "0"},
				{"table": "3", "_value": "5", "formula": "", "socket": "1"},
				{"table": "3", "_value": "7", "formula": "", "socket": "1"},
			},
		},
		{
			name: "no annotations: a blank line starts a table with its own header",
			body: ",result,table,_value,target\n,_result,0,1.5,rapl\n\n,result,table,_value,socket,target\n,_result,1,2.5,0,rapl\n",
			cols: []string{"table", "_value", "socket"},
			want: []row{{"table": "0", "_value": "1.5", "socket": ""}, {"table": "1", "_value": "2.5", "socket": "0"}},
		},
		{
			name: "CRLF line ends and a quoted newline before a blank line",
			body: ",result,table,_value,note\r\n,_result,0,1,\"two\r\nlines\"\r\n,_result,0,2,x\r\n\r\n,result,table,_value\r\n,_result,1,3\r\n",
			cols: []string{"table", "_value", "note"},
			want: []row{{"table": "0", "_value": "1", "note": "two\nlines"}, {"table": "0", "_value": "2", "note": "x"}, {"table": "1", "_value": "3", "note": ""}},
		},
		{
			name:    "error table after data",
			body:    fixture(t, "flux_error_midstream.csv"),
			cols:    []string{"_value"},
			want:    []row{{"_value": "10"}},
			wantErr: "panic: runtime error: index out of range, while reading shard 7 (reference 897)",
		},
		{
			name:    "a record wider than its header",
			body:    ",result,table,_value\n,,0,1,extra\n",
			wantErr: "line 2: 5 columns under a header of 4",
		},
		{
			name:    "unterminated quote",
			body:    ",result,table,_value\n,,0,\"1\n",
			wantErr: "annotated CSV",
		},
		{name: "empty answer", body: "\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []row
			err := readAnnotatedCSV(strings.NewReader(tt.body), func(r fluxRow) error {
				g := row{}
				for _, c := range tt.cols {
					g[c] = r.get(c)
				}
				got = append(got, g)
				return nil
			})
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("error %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("rows\n%v\nwant\n%v", got, tt.want)
			}
		})
	}
}

func TestReadAnnotatedCSVStopsOnCallbackError(t *testing.T) {
	stop := errors.New("stop")
	calls := 0
	err := readAnnotatedCSV(strings.NewReader(fixture(t, "flux_window.csv")), func(fluxRow) error {
		calls++
		return stop
	})
	if !errors.Is(err, stop) || calls != 1 {
		t.Errorf("err %v after %d calls, want the callback's error after 1", err, calls)
	}
}

func TestReadAnnotatedCSVDatatypes(t *testing.T) {
	var types []string
	err := readAnnotatedCSV(strings.NewReader(fixture(t, "flux_window.csv")), func(r fluxRow) error {
		types = append(types, r.datatype("_value")+"/"+r.datatype("_time"))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if types[0] != "double/dateTime:RFC3339Nano" || types[len(types)-1] != "long/dateTime:RFC3339Nano" {
		t.Errorf("datatypes %v", types)
	}
}
