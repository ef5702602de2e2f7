"""Reads for teaching research, one module per area: groups, activities, threads, reviews, observations,
polishing, mentoring. Who may read what is research.permissions."""
