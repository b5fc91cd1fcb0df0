"""scalewatch.fitting"""
