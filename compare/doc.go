// Package compare reads the summary.json of several run directories and
// builds a leaderboard: one row per (run, model) with its energy per
// output token and per 1000 queries, emissions, latency and throughput,
// AIEnergyScore-style star ratings, the energy-vs-latency Pareto front,
// and power vs model size where the size is known. It writes the board as
// a terminal table, Markdown, CSV and a self-contained HTML page.
//
// Runs that were not measured alike are never silently mixed. Each row
// belongs to a comparable group — the same hardware (host and GPU models)
// and the same energy basis (the components summed into the headline
// energy and the meter kinds that read them). When a board holds more than
// one group, warnings name every difference, and the stars and the Pareto
// front are computed within each (task, group) unless Options.MixGroups
// says otherwise.
//
// # Star ratings
//
// AIEnergyScore (huggingface.github.io/AIEnergyScore, "What do the star
// ratings mean?") rates the models of one task by GPU energy in Wh per
// 1000 queries: the range between the lowest and the highest figure is
// cut into five equal sections (20 % intervals); models in the lowest
// section get 5 stars, those in the highest 1 star. Text generation is
// further split into classes by model size (A ≤ 20 B parameters, B ≤ 66 B,
// C above). Rate follows that:
//
//   - metric: GPU Wh per 1000 queries (components.gpu, gross, as
//     AIEnergyScore measures gross GPU energy) when every rated row of the
//     (task, group) has it, else the headline Wh per 1000 queries; for
//     measure runs (work counted in items, not queries) J per item;
//   - f = (x − min) / (max − min); stars = 5 − min(4, ⌊5·f⌋), so the
//     minimum gets 5, the maximum 1, and a figure exactly on an inner
//     boundary falls in the less efficient section;
//   - when every figure is equal (or there is one row) all get 5 stars;
//   - a row without the metric gets no stars (0), with a warning;
//   - size classes only with Options.SizeClasses.
//
// Stars are relative: they change when rows are added, as AIEnergyScore's
// change with every leaderboard update.
//
// # Pareto front
//
// A row is on the front when no other row of its (task, group) has both a
// lower-or-equal J per output token and a lower-or-equal latency, one of
// them strictly lower. The latency is the median end-to-end time by
// default — it is what a user waits for the whole answer, the same work
// the energy paid for — or the median TTFT with Options.Latency = "ttft".
// Rows missing either figure are not on the front and not plotted.
package compare
