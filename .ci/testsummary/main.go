// Command testsummary reads `go test -json` on its standard input and
// prints what plain `go test` would have printed: an ok line per passing
// package, and the failures with their logs for a failing one. It ends
// with the line
//
//	N passed, N failed, N skipped
//
// counting tests and subtests, and exits 1 if a test or a package failed.
// When the environment variable CI is set (CI=true), a skipped test fails
// the run too: they are listed with their skip messages. CI does not run
// with -short, and a test that cannot run there for lack of a tool or data
// must fail, not skip (see edge/testenv).
//
// make test runs it as
//
//	go build -o bin/testsummary ./.ci/testsummary
//	go test -race -count=1 -json ./... ./.ci/testsummary | bin/testsummary
//
// with pipefail, so that go test's own exit status is kept too. It lives
// under .ci, which ./... does not match, and is named on that command line
// so that its tests run once.
package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
)

func main() {
	s := newSummary(os.Stdout)
	if err := s.read(os.Stdin); err != nil {
		fmt.Fprintln(os.Stderr, "testsummary:", err)
		os.Exit(2)
	}
	if !s.finish(os.Getenv("CI") != "") {
		os.Exit(1)
	}
}

// read feeds every line of r to the summary.
func (s *summary) read(r io.Reader) error {
	br := bufio.NewReader(r)
	for {
		line, err := br.ReadString('\n')
		if line != "" {
			s.line(line)
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}
