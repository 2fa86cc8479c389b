"""Cross-cutting web plumbing: role gates, safe redirects, security headers, errors, health."""
