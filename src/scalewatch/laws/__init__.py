"""scalewatch.laws"""
