package dataset

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// listing is the Hub's list of a dataset's Parquet files, in the Hub's
// order (a Go map would lose the order that picks the default config).
type listing []listingConfig

type listingConfig struct {
	name   string
	splits []listingSplit
}

type listingSplit struct {
	name string
	urls []string
}

// parseListing reads {"config": {"split": ["url", ...]}, ...}.
func parseListing(body []byte) (listing, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	var l listing
	err := readObject(dec, func(config string) error {
		c := listingConfig{name: config}
		err := readObject(dec, func(split string) error {
			var urls []string
			if err := dec.Decode(&urls); err != nil {
				return fmt.Errorf("split %q: %w", split, err)
			}
			c.splits = append(c.splits, listingSplit{name: split, urls: urls})
			return nil
		})
		l = append(l, c)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("unexpected Parquet listing (want {\"config\": {\"split\": [urls]}}): %w", err)
	}
	return l, nil
}

// readObject walks a JSON object's keys in order; each calls value, which
// must consume the key's value.
func readObject(dec *json.Decoder, value func(key string) error) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return fmt.Errorf("expected an object, got %v", tok)
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		key, _ := tok.(string)
		if err := value(key); err != nil {
			return err
		}
	}
	_, err = dec.Token() // the closing '}'
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return err
}

// table picks a config and split: the ones asked for, or the defaults
// (first config; split train, else test, else the only one). A split
// converted only in part ("partial-train") stands for its full name.
func (l listing) table(repo, config, split string) (listingConfig, listingSplit, error) {
	if len(l) == 0 {
		return listingConfig{}, listingSplit{}, fmt.Errorf(
			"dataset %s has no Parquet files on the Hub (the Hub converts public datasets only, and may still be converting it)", repo)
	}
	c := l[0]
	if config != "" {
		found := false
		for _, x := range l {
			if x.name == config {
				c, found = x, true
				break
			}
		}
		if !found {
			return listingConfig{}, listingSplit{}, fmt.Errorf(
				"dataset %s has no config %q; it has: %s (set scenario.dataset_config)", repo, config, l.configNames())
		}
	}
	find := func(name string) (listingSplit, bool) {
		for _, s := range c.splits {
			if s.name == name || s.name == "partial-"+name {
				return s, true
			}
		}
		return listingSplit{}, false
	}
	if split != "" {
		if s, ok := find(split); ok {
			return c, s, nil
		}
		return listingConfig{}, listingSplit{}, fmt.Errorf(
			"dataset %s config %s has no split %q; it has: %s (set scenario.dataset_split)", repo, c.name, split, c.splitNames())
	}
	for _, name := range []string{"train", "test"} {
		if s, ok := find(name); ok {
			return c, s, nil
		}
	}
	if len(c.splits) == 1 {
		return c, c.splits[0], nil
	}
	return listingConfig{}, listingSplit{}, fmt.Errorf(
		"dataset %s config %s has no train or test split; choose one of: %s (set scenario.dataset_split)", repo, c.name, c.splitNames())
}

func (l listing) configNames() string {
	var names []string
	for _, c := range l {
		names = append(names, c.name)
	}
	return strings.Join(names, ", ")
}

func (c listingConfig) splitNames() string {
	var names []string
	for _, s := range c.splits {
		names = append(names, s.name)
	}
	return strings.Join(names, ", ")
}
