"""The differentiable operations, one ArrayFunction subclass each, grouped by kind."""
