// Package rootfs unpacks an OCI image's layers into a root filesystem
// that a container runtime can use, and keeps one such tree per image
// digest on the node.
//
// # What an image may not do
//
// Layers are tar streams written by whoever built the image, so every
// entry is treated as hostile. All writes go through an os.Root opened on
// the tree, so no entry name, symbolic link or hard link can create,
// change or remove anything outside it: "../x", a directory symlinked to
// "/" or "../../..", and a hard link to "../../etc/passwd" are refused.
// Symbolic links are created with their text unchanged (an absolute link
// is resolved inside the tree by the runtime, never by Unpack). A file
// never replaces a link by writing through it: whatever stands at an
// entry's path is removed first. Device nodes and FIFOs are skipped,
// setuid and setgid bits are dropped unless Limits.KeepSetuid, and the
// tree's unpacked size and entry count are capped, so a layer claiming a
// 10 GB sparse file is refused before a byte is written.
//
// # Layer semantics
//
// Layers apply in order, each over the tree the previous ones left
// (OCI image spec, "Applying changesets"): ".wh.NAME" removes NAME of a
// lower layer, ".wh..wh..opq" empties its directory of everything lower
// layers put there. Each layer's blob is hashed as it is read and must
// match its digest (and the uncompressed stream its DiffID, when given);
// a mismatch fails the unpack, and Cache keeps nothing of a failed one.
package rootfs
