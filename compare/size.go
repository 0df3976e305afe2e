package compare

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// sizeInName finds a parameter count written into a model name: "8b" in
// "llama3.1:8b", "0.5B" in "Qwen2.5-0.5B-Instruct", "135m" in
// "smollm-135m". The number must stand alone between separators, so that
// "llama3" or "gpt4o" give nothing, and "8x7b" (a mixture of experts whose
// total is not 56 B) gives nothing either.
var sizeInName = regexp.MustCompile(`(?i)(?:^|[-_:/ .])(\d+(?:\.\d+)?)([bm])(?:$|[-_:/ .@])`)

// ModelSize returns the parameter count a model name states, or false.
// Billions win over millions when a name has both ("Qwen2.5-7B-Instruct-1M"
// is 7 B parameters with a 1 M context), and the first billions figure
// wins over later ones.
func ModelSize(name string) (float64, bool) {
	var millions float64
	found := false
	for _, m := range sizeInName.FindAllStringSubmatch(name, -1) {
		v, err := strconv.ParseFloat(m[1], 64)
		if err != nil || v <= 0 {
			continue
		}
		if strings.EqualFold(m[2], "b") {
			return v * 1e9, true
		}
		if !found {
			millions, found = v*1e6, true
		}
	}
	return millions, found
}

// ParseSize reads a --size option, MODEL=SIZE, where SIZE is a parameter
// count: "8e9", "8000000000", "8b", "0.5B", "135M".
func ParseSize(option string) (model string, params float64, err error) {
	model, size, ok := strings.Cut(option, "=")
	model, size = strings.TrimSpace(model), strings.TrimSpace(size)
	if !ok || model == "" || size == "" {
		return "", 0, fmt.Errorf("size %q: write MODEL=PARAMETERS, e.g. llama3.1:8b=8e9 or mymodel=0.5B", option)
	}
	mult := 1.0
	switch {
	case strings.HasSuffix(size, "b"), strings.HasSuffix(size, "B"):
		mult, size = 1e9, size[:len(size)-1]
	case strings.HasSuffix(size, "m"), strings.HasSuffix(size, "M"):
		mult, size = 1e6, size[:len(size)-1]
	}
	v, err := strconv.ParseFloat(size, 64)
	if err != nil || v <= 0 || v*mult < 1 {
		return "", 0, fmt.Errorf("size %q: %q is not a positive parameter count: write e.g. 8e9, 8b or 135M", option, size)
	}
	return model, v * mult, nil
}

// sizeClass is AIEnergyScore's text-generation class for a model size:
// A fits one consumer GPU (≤ 20 B), B one cloud GPU (≤ 66 B), C needs
// several.
func sizeClass(params float64) string {
	switch {
	case params <= 20e9:
		return "A"
	case params <= 66e9:
		return "B"
	default:
		return "C"
	}
}
