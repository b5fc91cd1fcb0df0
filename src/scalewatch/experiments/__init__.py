"""scalewatch.experiments"""
