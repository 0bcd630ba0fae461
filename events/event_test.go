package events

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestNewEventRoundTrip(t *testing.T) {
	body := Deployed{Name: "hello", Artifact: strings.Repeat("ab", 32), Size: 42, Routes: []string{"/", "/a/:id"}}
	before := time.Now().UTC()
	payload, err := NewEvent("ledger-id", TypeDeployed, "hello", body)
	if err != nil {
		t.Fatalf("NewEvent: %v", err)
	}
	ev, err := DecodeEvent(payload)
	if err != nil {
		t.Fatalf("DecodeEvent: %v", err)
	}
	if ev.Ledger != "ledger-id" || ev.Type != TypeDeployed || ev.Subject != "hello" {
		t.Errorf("event %+v", ev)
	}
	if ev.Time.Before(before.Truncate(time.Second)) || ev.Time.Location() != time.UTC {
		t.Errorf("time %v, want UTC at or after %v", ev.Time, before)
	}
	got, err := DecodeBody[Deployed](ev)
	if err != nil {
		t.Fatalf("DecodeBody: %v", err)
	}
	if got.Name != body.Name || got.Artifact != body.Artifact || got.Size != body.Size || !slices.Equal(got.Routes, body.Routes) {
		t.Errorf("body %+v, want %+v", got, body)
	}
	t.Run("ErrUnencodableBody", func(t *testing.T) {
		if _, err := NewEvent("", TypeDeployed, "", make(chan int)); err == nil {
			t.Error("NewEvent(chan) succeeded")
		}
	})
}

func TestDecodeEventRejects(t *testing.T) {
	tests := []struct {
		name    string
		payload string
	}{
		{"Empty", ``},
		{"NotJSON", `deploy hello`},
		{"Array", `[1]`},
		{"NoType", `{"ledger":"x","body":{}}`},
		{"EmptyType", `{"type":""}`},
		{"TypeNotString", `{"type":7}`},
		{"BadTime", `{"type":"function.deployed","time":"yesterday"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if ev, err := DecodeEvent([]byte(tt.payload)); !errors.Is(err, ErrInvalidEvent) {
				t.Errorf("DecodeEvent(%q) = %+v, %v; want ErrInvalidEvent", tt.payload, ev, err)
			}
		})
	}
}

func TestDecodeBodyRejectsWrongShape(t *testing.T) {
	ev, err := DecodeEvent([]byte(`{"type":"function.activated","body":{"name":"hello","version":"two"}}`))
	if err != nil {
		t.Fatalf("DecodeEvent: %v", err)
	}
	if a, err := DecodeBody[Activated](ev); !errors.Is(err, ErrInvalidEvent) {
		t.Errorf("DecodeBody = %+v, %v; want ErrInvalidEvent", a, err)
	}
}

func TestValidFunctionName(t *testing.T) {
	tests := []struct {
		name string
		want bool
	}{
		{"a", true},
		{"hello-world-2", true},
		{"a" + strings.Repeat("b", 62), true},
		{"a" + strings.Repeat("b", 63), false},
		{"", false},
		{"Hello", false},
		{"2fast", false},
		{"-x", false},
		{"snake_case", false},
		{"dots.no", false},
		{"hello\n", false},
	}
	for _, tt := range tests {
		if got := ValidFunctionName(tt.name); got != tt.want {
			t.Errorf("ValidFunctionName(%q) = %v, want %v", tt.name, got, tt.want)
		}
	}
}
