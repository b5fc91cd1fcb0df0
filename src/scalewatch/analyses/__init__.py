"""scalewatch.analyses"""
