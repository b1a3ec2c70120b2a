/**
 * Configuration that follows etcd. {@link dev.relive.etcd.EtcdSources} gives sources for Relive's own
 * managed layout (immutable versions and a head pointer), for a whole document in one key, and for the keys
 * below a prefix as a tree; each one is watched from the revision it read, resumes after a broken stream and
 * reads everything again after a compaction. {@link dev.relive.etcd.FleetMember} registers a node under a
 * lease with what it serves and what it rejected; {@link dev.relive.etcd.Fleet} publishes, lists, diffs and
 * rolls back versions, and reads the fleet's status.
 */
@NullMarked
package dev.relive.etcd;

import org.jspecify.annotations.NullMarked;
