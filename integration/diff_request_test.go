package integration

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"
)

// diffRequest is one entry of an app's requests.json in the differential
// suite: what to send to both peers, and the status the Deno peer must
// answer (a check of the suite itself: two peers both answering 500 would
// otherwise "match").
type diffRequest struct {
	Name    string            `json:"name"`
	Method  string            `json:"method"`
	Path    string            `json:"path"`
	Headers map[string]string `json:"headers"`
	// Body is sent as written; BodyBase64 for bytes that are not text.
	// Repeat sends Body that many times over (a long, compressible body).
	Body       string `json:"body"`
	BodyBase64 string `json:"bodyBase64"`
	Repeat     int    `json:"repeat"`
	// Status is what Deno must answer.
	Status int `json:"status"`
	// Streamed marks an event stream whose app pauses (1.5 s in the
	// streams app) between its first event and its last: the answer then
	// also records whether the first event reached the client at least
	// diffStreamEarly before the end, as it does from a server that
	// streams and never from one that sends the body once the handler is
	// done.
	Streamed bool `json:"streamed"`
}

// diffStreamEarly is how long before a Streamed answer's end its first
// event must arrive; the apps pause longer, a margin for a loaded machine.
const diffStreamEarly = time.Second

// diffPlaceholders are replaced in request paths and header values: the
// proxy app's upstream address is known only once the test runs.
type diffPlaceholders map[string]string

func (p diffPlaceholders) apply(s string) string {
	for k, v := range p {
		s = strings.ReplaceAll(s, "{{"+k+"}}", v)
	}
	return s
}

func loadDiffRequests(file string) ([]diffRequest, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var reqs []diffRequest
	if err := dec.Decode(&reqs); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	for i, r := range reqs {
		if r.Name == "" || r.Method == "" || !strings.HasPrefix(r.Path, "/") || r.Status == 0 {
			return nil, fmt.Errorf("%s: request %d needs name, method, a path starting with / and status", file, i)
		}
	}
	return reqs, nil
}

func (r diffRequest) body() ([]byte, error) {
	b := []byte(r.Body)
	if r.BodyBase64 != "" {
		var err error
		if b, err = base64.StdEncoding.DecodeString(r.BodyBase64); err != nil {
			return nil, fmt.Errorf("%s: bodyBase64: %w", r.Name, err)
		}
	}
	if r.Repeat > 1 {
		b = bytes.Repeat(b, r.Repeat)
	}
	return b, nil
}

// diffAnswer is what one peer answered, or the error of asking.
type diffAnswer struct {
	status int
	header http.Header
	body   []byte
	err    error
	// early is, for a Streamed request, how long before the last event
	// the first reached the client.
	early time.Duration
}

// streamed reports whether a Streamed answer's first event came early.
func (a diffAnswer) streamed() bool { return a.early >= diffStreamEarly }

// diffMaxBody bounds a body read: no app here answers more.
const diffMaxBody = 4 << 20

// diffClient speaks h2c with prior knowledge, as both peers serve, sends
// no Accept-Encoding of its own (Deno.serve would compress for it) and
// follows no redirects: a redirect is an answer to compare. Every app
// answers in milliseconds (the slowest, an event stream, in about 25 ms),
// so 5 s per request, body included, is slack for a loaded machine and
// bounds a peer that never finishes an answer.
func diffClient() *http.Client {
	var p http.Protocols
	p.SetUnencryptedHTTP2(true)
	return &http.Client{
		Timeout:       5 * time.Second,
		Transport:     &http.Transport{Protocols: &p, DisableCompression: true},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// ask sends r to the peer at base (http://host:port) and reads the whole
// answer.
func (r diffRequest) ask(c *http.Client, base string, ph diffPlaceholders) diffAnswer {
	body, err := r.body()
	if err != nil {
		return diffAnswer{err: err}
	}
	req, err := http.NewRequest(r.Method, base+ph.apply(r.Path), bytes.NewReader(body))
	if err != nil {
		return diffAnswer{err: err}
	}
	if len(body) == 0 {
		req.Body, req.ContentLength = nil, 0
	}
	for k, v := range r.Headers {
		req.Header.Set(k, ph.apply(v))
	}
	resp, err := c.Do(req)
	if err != nil {
		return diffAnswer{err: err}
	}
	defer resp.Body.Close()
	var got []byte
	var early time.Duration
	if r.Streamed {
		got, early, err = readEvents(resp.Body, time.Now)
	} else {
		got, err = io.ReadAll(io.LimitReader(resp.Body, diffMaxBody+1))
	}
	if err == nil && len(got) > diffMaxBody {
		err = fmt.Errorf("body over %d bytes", diffMaxBody)
	}
	return diffAnswer{status: resp.StatusCode, header: ownOrigin(resp.Header, base),
		body: bytes.ReplaceAll(got, []byte(base), []byte(diffOrigin)), err: err, early: early}
}

// readEvents reads an event stream as it arrives and returns it whole,
// with the time (by now) between the arrival of its first event's end (its
// first blank line) and of the stream's end.
func readEvents(body io.Reader, now func() time.Time) ([]byte, time.Duration, error) {
	var got []byte
	var first time.Time
	buf := make([]byte, 4096)
	for {
		n, err := body.Read(buf)
		got = append(got, buf[:n]...)
		if first.IsZero() && bytes.Contains(bytes.ReplaceAll(got, []byte("\r\n"), []byte("\n")), []byte("\n\n")) {
			first = now()
		}
		if err == io.EOF {
			if first.IsZero() {
				return got, 0, nil
			}
			return got, now().Sub(first), nil
		}
		if err != nil {
			return got, 0, err
		}
		if len(got) > diffMaxBody {
			return got, 0, nil
		}
	}
}

// diffOrigin stands for the answering peer's own origin. Each peer listens
// on its own port, and an app may echo request.url (Hono's jwt middleware
// names it as the realm of WWW-Authenticate): that is the one difference
// two correct peers must have, so both spell it alike.
const diffOrigin = "{{ORIGIN}}"

// ownOrigin replaces base in every header value with diffOrigin.
func ownOrigin(h http.Header, base string) http.Header {
	out := make(http.Header, len(h))
	for k, vs := range h {
		out[k] = make([]string, len(vs))
		for i, v := range vs {
			out[k][i] = strings.ReplaceAll(v, base, diffOrigin)
		}
	}
	return out
}

// diffIgnoredHeaders differ between any two servers and say nothing of the
// app: the clock, the server's name, framing, and Vault's request ID.
// Every other header is compared, name and values.
var diffIgnoredHeaders = map[string]bool{
	"date": true, "server": true, "content-length": true, "transfer-encoding": true,
	"connection": true, "keep-alive": true, "x-request-id": true,
}

// comparedHeaders gives the compared headers of h, lower-case names mapped
// to their values. Field lines of one name are combined with ", " as RFC
// 9110 (5.3) combines them, so "a: 1" and "a: 3" is the same header as
// "a: 1, 3"; Set-Cookie, which cannot be combined, stays a list, in the
// order the app set its cookies.
func comparedHeaders(h http.Header) map[string][]string {
	out := map[string][]string{}
	for k, v := range h {
		k = strings.ToLower(k)
		switch {
		case diffIgnoredHeaders[k]:
		case k == "set-cookie":
			out[k] = v
		default:
			out[k] = []string{strings.Join(v, ", ")}
		}
	}
	return out
}

// diffAnswers lists every difference between Deno's answer d and v, the
// answer of the peer named other: status, each compared header, and the
// body (for an event stream, its events). None means they match.
func diffAnswers(d, v diffAnswer, other string) []string {
	var out []string
	if d.err != nil || v.err != nil {
		if d.err != nil {
			out = append(out, fmt.Sprintf("deno: %v", d.err))
		}
		if v.err != nil {
			out = append(out, fmt.Sprintf("%s: %v", other, v.err))
		}
		return out
	}
	if d.streamed() != v.streamed() {
		out = append(out, fmt.Sprintf("streaming: the first event came %v before the end from deno, %v from %s (a streaming server: %v or more)",
			d.early.Round(time.Millisecond), v.early.Round(time.Millisecond), other, diffStreamEarly))
	}
	if d.status != v.status {
		out = append(out, fmt.Sprintf("status: deno %d, %s %d", d.status, other, v.status))
	}
	dh, vh := comparedHeaders(d.header), comparedHeaders(v.header)
	names := make([]string, 0, len(dh)+len(vh))
	for k := range dh {
		names = append(names, k)
	}
	for k := range vh {
		if _, ok := dh[k]; !ok {
			names = append(names, k)
		}
	}
	slices.Sort(names)
	for _, k := range names {
		if !slices.Equal(dh[k], vh[k]) {
			out = append(out, fmt.Sprintf("header %s: deno %s, %s %s", k, showValues(dh[k]), other, showValues(vh[k])))
		}
	}
	if !bytes.Equal(d.body, v.body) {
		out = append(out, bodyDiff(d, v, other)...)
	}
	return out
}

func showValues(v []string) string {
	if v == nil {
		return "(absent)"
	}
	q := make([]string, len(v))
	for i, s := range v {
		q[i] = fmt.Sprintf("%q", s)
	}
	return strings.Join(q, ", ")
}

// bodyDiff describes how two different bodies differ: an event stream
// event by event, other text from the first differing byte, with both
// sides shown around it.
func bodyDiff(d, v diffAnswer, other string) []string {
	if strings.HasPrefix(d.header.Get("Content-Type"), "text/event-stream") {
		de, ve := sseEvents(d.body), sseEvents(v.body)
		out := []string{fmt.Sprintf("body: event streams differ (deno %d events, %s %d)", len(de), other, len(ve))}
		for i := range max(len(de), len(ve)) {
			var a, b string
			if i < len(de) {
				a = de[i]
			}
			if i < len(ve) {
				b = ve[i]
			}
			if a != b {
				out = append(out, fmt.Sprintf("  event %d: deno %q, %s %q", i, a, other, b))
			}
		}
		return out
	}
	at := 0
	for at < len(d.body) && at < len(v.body) && d.body[at] == v.body[at] {
		at++
	}
	from := max(0, at-40)
	clip := func(b []byte) string {
		return fmt.Sprintf("%q", b[min(from, len(b)):min(at+80, len(b))])
	}
	return []string{
		fmt.Sprintf("body: deno %d bytes, %s %d bytes, first difference at byte %d", len(d.body), other, len(v.body), at),
		"  deno:  " + clip(d.body),
		fmt.Sprintf("  %-6s ", other+":") + clip(v.body),
	}
}

// sseEvents splits an event stream into its events as the EventSource
// parser of the HTML standard sees them: fields of one event end at a blank
// line; comments are kept (they are bytes the app sent), line endings
// normalised.
func sseEvents(body []byte) []string {
	text := strings.ReplaceAll(strings.ReplaceAll(string(body), "\r\n", "\n"), "\r", "\n")
	var events []string
	for _, block := range strings.Split(text, "\n\n") {
		if block != "" {
			events = append(events, block)
		}
	}
	return events
}
