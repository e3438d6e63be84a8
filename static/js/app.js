// Recouvrement: behaviours that need no inline script (CSP).
