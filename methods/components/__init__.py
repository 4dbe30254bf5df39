"""Small interchangeable parts that compose a search method (DESIGN.md, "Method")."""
