"""What the action server, the staff console, the channels and the scripts share, written once:
database engines and default URLs, the bookings tables, the booking form's slots, personal-data
patterns and conversation tags, and the log format."""
