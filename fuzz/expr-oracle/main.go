// Command expr-oracle evaluates scalingModifiers formulas with the real expr-lang/expr
// library, the way KEDA does, so swell's own evaluator can be compared with it.
//
// It reads one JSON object per line on stdin:
//
//	{"formula": "a + b", "names": ["a", "b"], "inputs": [["1", "2"], ["nil", "NaN"]]}
//
// Values are strings: a Go float ("1.5", "NaN", "+Inf", "-Inf") or "nil". For each line it
// writes one JSON object: {"compile": "" or the compile error, "results": [...]}, where each
// result is {"value": "<float>"}, {"nil": true} or {"error": "<message>"}.
//
// The formula is prepared as KEDA prepares it: wrapped in float(...) unless it starts with
// "float(", compiled against a map[string]float64 of the trigger names with AsFloat64. A
// formula containing "??" keeps a nil result nil: it is compiled as
// `let r = (<formula>); r == nil ? nil : float(r)`.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/vm"
)

type request struct {
	Formula string     `json:"formula"`
	Names   []string   `json:"names"`
	Inputs  [][]string `json:"inputs"`
}

type result struct {
	Value *string `json:"value,omitempty"`
	Nil   bool    `json:"nil,omitempty"`
	Error *string `json:"error,omitempty"`
}

type response struct {
	Compile string   `json:"compile"`
	Results []result `json:"results"`
}

func compile(formula string, names []string) (*vm.Program, error) {
	env := make(map[string]float64, len(names))
	for _, name := range names {
		env[name] = -1
	}
	if strings.Contains(formula, "??") {
		return expr.Compile("let __r = ("+formula+"); __r == nil ? nil : float(__r)", expr.Env(env))
	}
	if !strings.HasPrefix(formula, "float(") {
		formula = "float(" + formula + ")"
	}
	return expr.Compile(formula, expr.Env(env), expr.AsFloat64())
}

func run(program *vm.Program, names []string, input []string) (res result) {
	defer func() {
		if r := recover(); r != nil {
			msg := fmt.Sprintf("panic: %v", r)
			res = result{Error: &msg}
		}
	}()
	env := make(map[string]any, len(names))
	for i, name := range names {
		if input[i] == "nil" {
			env[name] = nil
			continue
		}
		f, err := strconv.ParseFloat(input[i], 64)
		if err != nil {
			panic(err)
		}
		env[name] = f
	}
	out, err := expr.Run(program, env)
	if err != nil {
		msg := err.Error()
		return result{Error: &msg}
	}
	if out == nil {
		return result{Nil: true}
	}
	f, ok := out.(float64)
	if !ok {
		msg := fmt.Sprintf("result is %T, not float64", out)
		return result{Error: &msg}
	}
	s := formatFloat(f)
	return result{Value: &s}
}

func formatFloat(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "+Inf"
	case math.IsInf(f, -1):
		return "-Inf"
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<24)
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	enc := json.NewEncoder(out)
	for in.Scan() {
		var req request
		if err := json.Unmarshal(in.Bytes(), &req); err != nil {
			fmt.Fprintln(os.Stderr, "bad request:", err)
			os.Exit(2)
		}
		resp := response{Results: []result{}}
		program, err := compile(req.Formula, req.Names)
		if err != nil {
			resp.Compile = err.Error()
			if resp.Compile == "" {
				resp.Compile = "compile error"
			}
		} else {
			for _, input := range req.Inputs {
				resp.Results = append(resp.Results, run(program, req.Names, input))
			}
		}
		if err := enc.Encode(resp); err != nil {
			fmt.Fprintln(os.Stderr, "write:", err)
			os.Exit(2)
		}
		out.Flush()
	}
}
