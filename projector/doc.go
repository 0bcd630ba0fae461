// Package projector follows the ledger and folds its verified records into
// a fold.State (package fold holds the state and the pure fold: the trust
// keyring, functions, their versions and which version is active).
//
// The fold runs twice for every record: in Admission, before a record is
// appended, and again when it is projected, so a record that reached the
// stream by another path is rejected (and remembered as rejected) by every
// node in the same way. Replay and Audit fold a ledger's history offline.
//
// The live Projector adds what is not deterministic: it fetches and
// digest-checks artifacts and has them compiled (warmed) before the routes
// that use them are published, and it keeps serving the previous version
// of a function whose new version fails to warm.
package projector
