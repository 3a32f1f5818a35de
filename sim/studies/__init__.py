"""Studies: validation, the named studies, calibration and scenario discovery."""
