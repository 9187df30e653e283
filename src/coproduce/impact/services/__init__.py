"""Impact's writes: each public function is one transaction that checks permission,
validates, writes and records what happened."""
