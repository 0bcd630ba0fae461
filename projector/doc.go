// Package projector folds verified ledger records into State: the trust
// keyring, functions, their versions and which version is active.
//
// Fold is a pure function of the state and one record, so replaying
// records 1..N from scratch gives exactly the state a live node had after
// applying N. The same checks run twice: as a Gate before a record is
// appended, and again when it is projected, so a record that reached the
// stream by another path is rejected (and remembered as rejected) by every
// node in the same way.
//
// The live Projector adds what is not deterministic: it fetches and
// digest-checks artifacts and has them compiled (warmed) before the routes
// that use them are published, and it keeps serving the previous version
// of a function whose new version fails to warm.
package projector
