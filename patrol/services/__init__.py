"""What the product does, as plain functions over models: no request, no session, no templates."""
