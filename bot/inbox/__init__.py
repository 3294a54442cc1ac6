"""A person in the loop: the learner's conversations with staff (the inbox).

``models`` holds the conversation table; ``conversations`` is the one owner
of its state changes (open, a learner's message noted, a staff reply, assign,
close, the bot resumed). Pages, the command line and Rasa's custom actions
call it; none of them writes a conversation row itself.
"""
