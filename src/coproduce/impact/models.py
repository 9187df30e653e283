"""Impact's records. (The pure measures — SROI, network, wellbeing — are in their own modules
and need no database.)"""
