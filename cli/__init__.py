"""The command line (`carefund`): the composition root, which wires the domain to the web and
the documents; nothing below it imports it."""
