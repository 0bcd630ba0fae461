package events

import (
	"errors"
	"strings"
	"testing"
)

func TestImagePulledCheck(t *testing.T) {
	digest := func(c byte) string { return "sha256:" + strings.Repeat(string(c), 64) }
	valid := func() ImagePulled {
		return ImagePulled{Repository: "registry.example.com:5000/team/api", Tag: "1.4", Digest: digest('a'), Platform: "linux/amd64",
			Manifest: Blob{Digest: digest('a'), Size: 400, MediaType: "application/vnd.oci.image.manifest.v1+json"},
			Config:   Blob{Digest: digest('b'), Size: 300, MediaType: "application/vnd.docker.container.image.v1+json"},
			Layers:   []Blob{{Digest: digest('c'), Size: 1000, MediaType: "application/vnd.oci.image.layer.v1.tar+gzip"}}}
	}
	if p := valid(); p.Check() != nil {
		t.Fatalf("a valid body: %v", p.Check())
	}
	for name, tc := range map[string]struct {
		edit func(*ImagePulled)
		want string
	}{
		"docker hub short name": {func(p *ImagePulled) { p.Repository = "library/busybox" }, ""},
		"variant platform":      {func(p *ImagePulled) { p.Platform = "linux/arm64/v8" }, ""},
		"upper-case repository": {func(p *ImagePulled) { p.Repository = "Registry/API" }, "not a repository name"},
		"repository with tag":   {func(p *ImagePulled) { p.Repository = "registry.example.com/api:1" }, "not a repository name"},
		"tag too long":          {func(p *ImagePulled) { p.Tag = strings.Repeat("a", 129) }, "not a tag"},
		"digest not sha256":     {func(p *ImagePulled) { p.Digest = "sha512:" + strings.Repeat("a", 64) }, "not sha256"},
		"digest upper-case":     {func(p *ImagePulled) { p.Digest = strings.ToUpper(p.Digest) }, "not sha256"},
		"bad index":             {func(p *ImagePulled) { p.Index = "sha256:1" }, "index digest"},
		"manifest elsewhere":    {func(p *ImagePulled) { p.Manifest.Digest = digest('d') }, "the manifest blob is"},
		"manifest media type":   {func(p *ImagePulled) { p.Manifest.MediaType = "application/vnd.oci.image.index.v1+json" }, "media type"},
		"config media type":     {func(p *ImagePulled) { p.Config.MediaType = "application/json" }, "media type"},
		"layer media type": {func(p *ImagePulled) {
			p.Layers[0].MediaType = "application/vnd.oci.image.layer.nondistributable.v1.tar"
		}, "media type"},
		"empty layer": {func(p *ImagePulled) { p.Layers[0].Size = 0 }, "size 0"},
		"too many layers": {func(p *ImagePulled) {
			p.Layers = make([]Blob, MaxImageLayers+1)
			for i := range p.Layers {
				p.Layers[i] = p.Layers[0]
			}
		}, "128 layers"},
	} {
		p := valid()
		tc.edit(&p)
		err := p.Check()
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: %v, want it accepted", name, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want) || !errors.Is(err, ErrInvalidEvent)):
			t.Errorf("%s: %v, want ErrInvalidEvent saying %q", name, err, tc.want)
		}
	}
}
