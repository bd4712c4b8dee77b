package actors

import "fmt"

// FieldType is the type of a value a Field accepts under `with:`.
type FieldType int

// The field types a Spec can declare. The Go type a Config getter returns is
// given in each comment.
const (
	TypeString     FieldType = iota // string
	TypeInt                         // int
	TypeBool                        // bool
	TypeFloat                       // float64
	TypeDuration                    // time.Duration, written "10s", "1m30s"
	TypeStringList                  // []string; a single scalar is accepted as a one-element list
	TypeStringMap                   // map[string]string
	TypeSibling                     // string naming a sibling node; validated against the siblings
	TypeObject                      // *Config of a nested Spec
	TypeAny                         // any: decoded YAML left as is
)

var fieldTypeNames = [...]string{"string", "int", "bool", "float", "duration", "list of strings", "map of strings", "sibling name", "object", "any"}

// String names the type as error messages and `bricks kinds` show it.
func (t FieldType) String() string {
	if int(t) < len(fieldTypeNames) {
		return fieldTypeNames[t]
	}
	return fmt.Sprintf("FieldType(%d)", int(t))
}

// Field describes one key accepted under `with:`. Build it with the
// constructor named after its type (String, Int, Duration, ...) and refine it
// with the chained methods.
type Field struct {
	Name       string
	Type       FieldType
	IsRequired bool
	DefaultVal any // typed as the getter returns it; nil = no default
	Desc       string
	ExampleVal any
	EnumVals   []string // allowed values of a TypeString field, empty = any
	IsSecret   bool     // redacted in logs and `bricks tree`; may also be given as NAME_file
	IsAdvanced bool
	Sub        *Spec // fields of a TypeObject
}

func newField(name string, t FieldType) *Field { return &Field{Name: name, Type: t} }

// String declares a string field.
func String(name string) *Field { return newField(name, TypeString) }

// Int declares an integer field.
func Int(name string) *Field { return newField(name, TypeInt) }

// Bool declares a boolean field.
func Bool(name string) *Field { return newField(name, TypeBool) }

// Float declares a floating-point field.
func Float(name string) *Field { return newField(name, TypeFloat) }

// Duration declares a duration field ("500ms", "10s", "5m").
func Duration(name string) *Field { return newField(name, TypeDuration) }

// StringList declares a list-of-strings field.
func StringList(name string) *Field { return newField(name, TypeStringList) }

// StringMap declares a string-to-string map field.
func StringMap(name string) *Field { return newField(name, TypeStringMap) }

// Sibling declares a field naming a sibling node, such as `to:`; the loader
// checks that the sibling exists.
func Sibling(name string) *Field { return newField(name, TypeSibling) }

// Object declares a nested object whose keys are described by sub.
func Object(name string, sub *Spec) *Field {
	f := newField(name, TypeObject)
	f.Sub = sub
	return f
}

// Any declares a field whose YAML value is passed through undecoded.
func Any(name string) *Field { return newField(name, TypeAny) }

// Required marks the field as mandatory.
func (f *Field) Required() *Field { f.IsRequired = true; return f }

// Default sets the value used when the field is absent. It must have the Go
// type the field's getter returns (e.g. time.Duration for Duration fields).
func (f *Field) Default(v any) *Field { f.DefaultVal = v; return f }

// Description documents the field.
func (f *Field) Description(s string) *Field { f.Desc = s; return f }

// Example gives an example value for the generated documentation.
func (f *Field) Example(v any) *Field { f.ExampleVal = v; return f }

// Enum restricts a string field to the given values.
func (f *Field) Enum(vals ...string) *Field { f.EnumVals = vals; return f }

// Secret marks the field as sensitive: its value is redacted wherever a
// configuration is printed, and it may be read from a file named by the
// sibling key NAME_file (e.g. pass_file).
func (f *Field) Secret() *Field { f.IsSecret = true; return f }

// Advanced hides the field from the short example configuration.
func (f *Field) Advanced() *Field { f.IsAdvanced = true; return f }

// Spec is the ordered list of fields a kind accepts under `with:`.
type Spec struct {
	fields []*Field
	byName map[string]*Field
}

// NewSpec returns an empty Spec.
func NewSpec() *Spec { return &Spec{byName: map[string]*Field{}} }

// Field appends a field and returns the Spec for chaining. It panics on a
// duplicate name, a programming error.
func (s *Spec) Field(f *Field) *Spec {
	if _, dup := s.byName[f.Name]; dup {
		panic(fmt.Sprintf("actors.Spec: field %q declared twice", f.Name))
	}
	s.fields = append(s.fields, f)
	s.byName[f.Name] = f
	return s
}

// Fields returns the fields in declaration order.
func (s *Spec) Fields() []*Field { return s.fields }

// Lookup returns the field called name, or nil.
func (s *Spec) Lookup(name string) *Field { return s.byName[name] }
