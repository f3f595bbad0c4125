"""Instance administration: status, instance-wide settings (instance admins = staff users)."""
