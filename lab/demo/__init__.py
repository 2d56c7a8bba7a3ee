"""`lab demo`: the whole story on embedded defaults, one step at a time, each saying what it
proves (`lab.demo.story`)."""
