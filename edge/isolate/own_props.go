package isolate

import "github.com/dop251/goja"

// ownProps makes a Go type embedding it a goja DynamicObject whose own
// properties are only those a function adds (an expando); a platform
// object's attributes and methods are on its prototype. Headers, their
// iterators and URLs embed it.
type ownProps struct {
	props *expando
}

func (o *ownProps) Get(key string) goja.Value { return o.props.get(key) }
func (o *ownProps) Set(key string, v goja.Value) bool {
	if o.props == nil {
		o.props = &expando{}
	}
	o.props.set(key, v)
	return true
}
func (o *ownProps) Has(key string) bool    { return o.props.has(key) }
func (o *ownProps) Delete(key string) bool { o.props.delete(key); return true }
func (o *ownProps) Keys() []string         { return o.props.list() }
