"""What people see: HTML, charts, the explorer, reports and the dashboard.

Views read posteriors and analysis tables and show them; they compute nothing new.
"""
