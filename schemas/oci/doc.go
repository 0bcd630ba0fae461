// Package oci holds the gatekeeper of containers: the rules a container's
// generated OCI runtime config must meet before any node runs it, judged
// on the config itself (what runs), not on the manifest it came from.
//
// The decision is made on an abstract Profile of the config: whether it
// is privileged (confinement weakened: no seccomp, kernel paths exposed,
// devices or a writable /sys), runs as UID 0, has a user namespace, which
// classes of capability it holds, its network mode, no_new_privileges,
// host namespaces and host mounts. Abstract maps a concrete config to its
// profile, erring towards danger (anything it does not recognise counts
// as the dangerous reading), and Judge applies the rules to the profile:
//
//  1. CAP_SYS_ADMIN requires privileged mode.
//  2. UID 0 in the container requires a user namespace.
//  3. CAP_NET_ADMIN requires network mode restricted or admin.
//  4. Privilege escalation is blocked unless no_new_privileges is false
//     and a user namespace is on: without a user namespace,
//     no_new_privileges must be set.
//  5. Privileged mode, host namespaces (the host network included), host
//     mounts and capabilities beyond NET_BIND_SERVICE need approval: a
//     threshold of admin signatures on the deploy record.
//
// Judge is small and pure, and its whole domain is enumerated by a test
// against an independent statement of "secure"; a fuzz target checks that
// Abstract never maps a dangerous concrete field to a harmless profile.
package oci
