"""Forms, one module per area (selfeval, assessment, monitoring, ...). Forms validate input
only; rules that need other rows or the clock live in the services."""
