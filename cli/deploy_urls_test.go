package cli

import (
	"slices"
	"testing"
)

func TestRouteURLs(t *testing.T) {
	for _, tc := range []struct {
		name      string
		routes    []string
		listeners map[string]string
		want      []string
	}{
		{"Loopback", []string{"/my/*", "/users/:id"}, map[string]string{"h2c": "127.0.0.1:8080", "nats": "nats://x"},
			[]string{"http://127.0.0.1:8080/my/", "http://127.0.0.1:8080/users/:id"}},
		{"AnyAddressTakesServerHost", []string{"/*"}, map[string]string{"h2c": "0.0.0.0:8080", "tls": "[::]:8443"},
			[]string{"http://10.0.0.5:8080/", "https://10.0.0.5:8443/"}},
		{"RouteHost", []string{"api.example.com/v1/*"}, map[string]string{"tls": "10.0.0.5:443"},
			[]string{"https://api.example.com:443/v1/"}},
		{"NoEdge", []string{"/*"}, map[string]string{"nats": "nats://x"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := routeURLs(tc.routes, tc.listeners, "nats://10.0.0.5:4222"); !slices.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}
