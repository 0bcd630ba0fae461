package schemas

// Limits caps what one invocation may use. Zero means the node default.
type Limits struct {
	CPUMillis         int64 `json:"cpu_ms,omitempty"`
	WallMillis        int64 `json:"wall_ms,omitempty"`
	MemoryMB          int64 `json:"memory_mb,omitempty"`
	RequestBodyBytes  int64 `json:"request_body_bytes,omitempty"`
	ResponseBodyBytes int64 `json:"response_body_bytes,omitempty"`
	// Subrequests caps the fetch calls of one invocation; every redirect
	// followed counts as one more.
	Subrequests int64 `json:"subrequests,omitempty"`
	// SubrequestBytes caps each fetched response body (and request body).
	SubrequestBytes int64 `json:"subrequest_response_bytes,omitempty"`
	// SubrequestMillis caps each fetch call, redirects and body included.
	SubrequestMillis int64 `json:"subrequest_ms,omitempty"`
}

// DefaultLimits are what a function gets for each limit it leaves at zero.
func DefaultLimits() Limits {
	return Limits{
		CPUMillis:         50,
		WallMillis:        5000,
		MemoryMB:          128,
		RequestBodyBytes:  1 << 20,
		ResponseBodyBytes: 8 << 20,
		Subrequests:       50,
		SubrequestBytes:   8 << 20,
		SubrequestMillis:  10000,
	}
}

// WithDefaults fills zero limits from DefaultLimits.
func (l Limits) WithDefaults() Limits {
	d := DefaultLimits()
	for _, f := range []struct{ v, def *int64 }{
		{&l.CPUMillis, &d.CPUMillis}, {&l.WallMillis, &d.WallMillis}, {&l.MemoryMB, &d.MemoryMB},
		{&l.RequestBodyBytes, &d.RequestBodyBytes}, {&l.ResponseBodyBytes, &d.ResponseBodyBytes},
		{&l.Subrequests, &d.Subrequests}, {&l.SubrequestBytes, &d.SubrequestBytes}, {&l.SubrequestMillis, &d.SubrequestMillis},
	} {
		if *f.v == 0 {
			*f.v = *f.def
		}
	}
	return l
}

// Clamp fills l's defaults and lowers every limit above max's to max's;
// zero fields of max leave that limit alone. Nodes apply their maxima so.
func (max Limits) Clamp(l Limits) Limits {
	l = l.WithDefaults()
	for _, f := range []struct{ v, max *int64 }{
		{&l.CPUMillis, &max.CPUMillis}, {&l.WallMillis, &max.WallMillis}, {&l.MemoryMB, &max.MemoryMB},
		{&l.RequestBodyBytes, &max.RequestBodyBytes}, {&l.ResponseBodyBytes, &max.ResponseBodyBytes},
		{&l.Subrequests, &max.Subrequests}, {&l.SubrequestBytes, &max.SubrequestBytes}, {&l.SubrequestMillis, &max.SubrequestMillis},
	} {
		if *f.max > 0 && *f.v > *f.max {
			*f.v = *f.max
		}
	}
	return l
}
