"""The buyer's portfolio in pictures: SVG charts drawn by templates from geometry computed here."""
