"""Motion models shared by trackers: the Kalman filter and camera motion compensation."""
