package rundir

import "github.com/aienergy/aienergy/trace"

// sampleLog is a run directory's power.csv as trace.Samples: read afresh
// at each pass, one row at a time, so that a day of readings at 10 Hz is
// never all in memory. Rows come in the file's order: the order the
// readings were recorded, each channel's in time order.
type sampleLog struct {
	path string
	end  int64 // where the complete rows end: a cut-off run's half row stays out
	n    int   // rows that parse
}

func (l *sampleLog) Each(fn func(trace.Sample) error) error {
	_, _, err := eachRow(l.path, l.end, powerHeader, false, func(f fields) error {
		s, err := parseSample(f)
		if err != nil {
			return err
		}
		return fn(s)
	})
	return err
}

// parseSample reads one power.csv row; a row that does not parse gives a
// badRow.
func parseSample(f fields) (trace.Sample, error) {
	s := trace.Sample{
		T: f.float("t_s"), Meter: f.name("meter"), Channel: f.name("channel"),
		Component: f.name("component"), Watts: f.optFloat("watts"), Joules: f.optFloat("joules"),
	}
	return s, rowErr(f)
}
