// Package container runs OCI containers with runc: the runtime shim a node
// uses to create, start, signal, inspect and delete the containers the
// ledger admitted. It runs exactly the runtime config the gatekeeper
// judged (the deploy record's), with the node-local parts filled in: the
// unpacked image as root, and (with networks) the namespace the node made.
//
// Containers have deterministic IDs (ID), so a restarted node finds the
// containers it started by asking runc for them; their state lives under
// the node's data directory (runc --root), apart from any other runc user
// on the host. A container's stdout and stderr go to files the node
// reads.
package container
