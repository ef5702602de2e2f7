"""Writes for teaching research, one module per area: groups, activities, threads, reviews, observations,
polishing, mentoring. Each checks the caller's role (research.permissions); views turn the exceptions into pages."""
