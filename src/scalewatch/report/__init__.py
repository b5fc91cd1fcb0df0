"""scalewatch.report"""
