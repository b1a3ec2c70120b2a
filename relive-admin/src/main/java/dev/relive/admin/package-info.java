/**
 * The operations surface for live configs: {@link dev.relive.admin.AdminServer} (admin HTTP endpoints with
 * token auth and the status page) and {@link dev.relive.admin.ReliveMetrics} (a Micrometer binder).
 */
@NullMarked
package dev.relive.admin;

import org.jspecify.annotations.NullMarked;
