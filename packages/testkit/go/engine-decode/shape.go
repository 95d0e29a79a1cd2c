package main

// The shape of a Go type as encoding/json sees it, for comparing the generated schemas with the engine's
// types: {"k": "struct", "fields": {name: shape}} (names and promotion by encoding/json's rules, simplified:
// the shallowest field of a name wins, a tie between two drops both), "map", "slice" (items), "array",
// "bytes" (base64 string), "string", "bool", "int"/"uint"/"float" with "bits", "interface", and
// "custom" for a type with its own UnmarshalJSON or UnmarshalText.

import (
	"encoding"
	"encoding/json"
	"reflect"
	"strings"
)

type shape struct {
	K      string            `json:"k"`
	Bits   int               `json:"bits,omitempty"`
	Fields map[string]*shape `json:"fields,omitempty"`
	Items  *shape            `json:"items,omitempty"`
	Type   string            `json:"type,omitempty"`
}

var (
	jsonUnmarshaler = reflect.TypeOf((*json.Unmarshaler)(nil)).Elem()
	textUnmarshaler = reflect.TypeOf((*encoding.TextUnmarshaler)(nil)).Elem()
)

func shapeOf(v interface{}) *shape { return typeShape(reflect.TypeOf(v)) }

func typeShape(t reflect.Type) *shape {
	for t.Kind() == reflect.Ptr {
		t = t.Elem()
	}
	pt := reflect.PointerTo(t)
	if pt.Implements(jsonUnmarshaler) || pt.Implements(textUnmarshaler) {
		return &shape{K: "custom", Type: t.String()}
	}
	switch t.Kind() {
	case reflect.Struct:
		return &shape{K: "struct", Fields: structFields(t), Type: t.String()}
	case reflect.Map:
		return &shape{K: "map", Items: typeShape(t.Elem())}
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			return &shape{K: "bytes"}
		}
		return &shape{K: "slice", Items: typeShape(t.Elem())}
	case reflect.Array:
		return &shape{K: "array", Items: typeShape(t.Elem())}
	case reflect.String:
		return &shape{K: "string"}
	case reflect.Bool:
		return &shape{K: "bool"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return &shape{K: "int", Bits: t.Bits()}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return &shape{K: "uint", Bits: t.Bits()}
	case reflect.Float32, reflect.Float64:
		return &shape{K: "float", Bits: t.Bits()}
	case reflect.Interface:
		return &shape{K: "interface"}
	}
	return &shape{K: t.Kind().String()}
}

type candidate struct {
	depth int
	typ   reflect.Type
	count int
}

func structFields(t reflect.Type) map[string]*shape {
	found := map[string]*candidate{}
	var walk func(t reflect.Type, depth int)
	walk = func(t reflect.Type, depth int) {
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			tag := f.Tag.Get("json")
			if tag == "-" {
				continue
			}
			name := strings.Split(tag, ",")[0]
			ft := f.Type
			for ft.Kind() == reflect.Ptr {
				ft = ft.Elem()
			}
			if f.Anonymous && name == "" && ft.Kind() == reflect.Struct {
				walk(ft, depth+1)
				continue
			}
			if f.PkgPath != "" {
				continue // unexported
			}
			if name == "" {
				name = f.Name
			}
			c := found[name]
			switch {
			case c == nil || depth < c.depth:
				found[name] = &candidate{depth: depth, typ: f.Type, count: 1}
			case depth == c.depth:
				c.count++
			}
		}
	}
	walk(t, 0)
	out := map[string]*shape{}
	for name, c := range found {
		if c.count == 1 {
			out[name] = typeShape(c.typ)
		}
	}
	return out
}
