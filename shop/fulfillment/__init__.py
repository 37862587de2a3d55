"""Getting the goods to the customer: delivery orders (deliveries), self-service pickup."""
