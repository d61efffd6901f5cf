// SPDX-License-Identifier: GPL-2.0-or-later

// Writes test/unit/golden/go-template.json: each case of cases.json run by
// Go's own text/template over the objects Docker's templates see (the typed
// network.Inspect, its plain JSON, a `network ls` row, a whole `ls` listing
// with Docker's table writer settings), with Docker's template functions.
// cnm's engine must print the same (test/unit/cli-go-template-golden.test.ts).
//
//	go run . < cases.json > ../../test/unit/golden/go-template.json
//	npx biome format --write ../../test/unit/golden/go-template.json
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"strings"
	"text/tabwriter"
	"text/template"

	"gocheck/network"
)

var basic = template.FuncMap{
	"json": func(v interface{}) string {
		buf := &bytes.Buffer{}
		enc := json.NewEncoder(buf)
		enc.SetEscapeHTML(false)
		enc.Encode(v)
		return strings.TrimSpace(buf.String())
	},
	"split": strings.Split, "join": strings.Join, "title": strings.Title, "lower": strings.ToLower, "upper": strings.ToUpper,
	"pad": func(s string, p, q int) string {
		if s == "" {
			return s
		}
		return strings.Repeat(" ", p) + s + strings.Repeat(" ", q)
	},
	"truncate": func(s string, n int) string {
		if len(s) < n {
			return s
		}
		return s[:n]
	},
}
var header = template.FuncMap{
	"json": func(v string) string { return v }, "split": func(v string, _ string) string { return v }, "join": func(v string, _ string) string { return v },
	"title": func(v string) string { return v }, "lower": func(v string) string { return v }, "upper": func(v string) string { return v },
	"truncate": func(v string, _ int) string { return v },
}

type Case struct {
	Mode, Tmpl, Data string
}
type Result struct {
	Out string `json:"out"`
	Err string `json:"err,omitempty"`
}

func run(c Case, nets map[string][]byte) (res Result) {
	defer func() {
		if r := recover(); r != nil {
			res = Result{Err: fmt.Sprint("panic: ", r)}
		}
	}()
	raw := nets[c.Data]
	var typed network.Inspect
	json.Unmarshal(raw, &typed)
	var rawv interface{}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	dec.Decode(&rawv)
	switch c.Mode {
	case "typed", "raw", "row", "rawerr":
		t, err := template.New("").Funcs(basic).Parse(c.Tmpl)
		if err != nil {
			return Result{Err: err.Error()}
		}
		var data interface{} = typed
		if c.Mode == "raw" || c.Mode == "rawerr" {
			data = rawv
		}
		if c.Mode == "rawerr" {
			t = t.Option("missingkey=error")
		}
		if c.Mode == "row" {
			data = network.NewRow(typed, true)
		}
		buf := &bytes.Buffer{}
		if err := t.Execute(buf, data); err != nil {
			return Result{Out: buf.String(), Err: err.Error()}
		}
		return Result{Out: buf.String()}
	case "inspect":
		t, err := template.New("").Funcs(basic).Parse(c.Tmpl)
		if err != nil {
			return Result{Err: "template parsing error: " + err.Error()}
		}
		buf := &bytes.Buffer{}
		if err := t.Execute(buf, typed); err != nil {
			buf = &bytes.Buffer{}
			if err := t.Option("missingkey=error").Execute(buf, rawv); err != nil {
				return Result{Err: "template parsing error: " + err.Error()}
			}
		}
		return Result{Out: buf.String() + "\n"}
	case "list":
		format := c.Tmpl
		if format == "table" {
			format = "table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}"
		}
		isTable := strings.HasPrefix(format, "table")
		if isTable {
			format = format[5:]
		} else if format == "json" {
			format = "{{json .}}"
		}
		format = strings.Trim(format, " ")
		format = strings.NewReplacer(`\t`, "\t", `\n`, "\n").Replace(format)
		t, err := template.New("").Funcs(basic).Parse(format)
		if err != nil {
			return Result{Err: "template parsing error: " + err.Error()}
		}
		buf := &bytes.Buffer{}
		for _, name := range strings.Split(c.Data, ",") {
			var n network.Inspect
			json.Unmarshal(nets[name], &n)
			if err := t.Execute(buf, network.NewRow(n, true)); err != nil {
				return Result{Err: "template parsing error: " + err.Error()}
			}
			buf.WriteString("\n")
		}
		if !isTable {
			return Result{Out: buf.String()}
		}
		out := &bytes.Buffer{}
		tw := tabwriter.NewWriter(out, 10, 1, 3, ' ', 0)
		hb := &bytes.Buffer{}
		t.Funcs(header).Execute(hb, network.Headers)
		hb.WriteTo(tw)
		tw.Write([]byte("\n"))
		buf.WriteTo(tw)
		tw.Flush()
		return Result{Out: out.String()}
	}
	return Result{Err: "bad mode"}
}

func main() {
	var input struct {
		Nets  map[string]json.RawMessage
		Cases []Case
	}
	json.NewDecoder(os.Stdin).Decode(&input)
	nets := map[string][]byte{}
	for k, v := range input.Nets {
		nets[k] = v
	}
	var out []Result
	for _, c := range input.Cases {
		out = append(out, run(c, nets))
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", " ")
	enc.Encode(map[string]interface{}{"Go": runtime.Version(), "Nets": input.Nets, "Cases": input.Cases, "Results": out})
}
