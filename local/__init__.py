"""make local: the two stacks deployed with the Pulumi CLI into an embedded AWS (moto) on 127.0.0.1."""
