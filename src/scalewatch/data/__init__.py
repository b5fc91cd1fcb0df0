"""scalewatch.data"""
