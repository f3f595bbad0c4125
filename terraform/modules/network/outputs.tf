output "vpc_id" {
  description = "ID of the VPC."
  value       = aws_vpc.this.id
}

output "vpc_cidr_block" {
  description = "CIDR block of the VPC."
  value       = aws_vpc.this.cidr_block
}

output "public_subnet_ids" {
  description = "Public subnets (load balancer, NAT gateways)."
  value       = aws_subnet.public[*].id
}

output "app_subnet_ids" {
  description = "Private subnets for Fargate tasks (egress through NAT)."
  value       = aws_subnet.app[*].id
}

output "data_subnet_ids" {
  description = "Private subnets for RDS and ElastiCache (no internet route)."
  value       = aws_subnet.data[*].id
}
